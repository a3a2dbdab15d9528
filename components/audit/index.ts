// Audit: the Kubernetes audit Policy (generator, evaluator, validator) and EKS/GKE/AKS audit logging.
export * from "./policy";
export * from "./eks";
export * from "./gke";
export * from "./aks";
