/**
 * The trust statement of an IAM role for EKS Pod Identity, scoped to one cluster's one service account. Internal.
 *
 * The service principal `pods.eks.amazonaws.com` (EKS Auth) may assume the role only on behalf of this account
 * (`aws:SourceAccount`) and this cluster (`aws:SourceArn`, the cluster ARN: AWS's cross-service confused-deputy
 * guidance for EKS), and only with the session tags EKS Pod Identity sets for the one service account
 * (`eks-cluster-name`, `kubernetes-namespace`, `kubernetes-service-account`; EKS user guide, "Create IAM role with
 * trust policy required by EKS Pod Identity" and its list of session tags). `sts:TagSession` is needed because
 * the service passes those tags.
 */
export function eksPodIdentityTrustStatement(o: {
  sid: string;
  account: string;
  region: string;
  partition: string;
  cluster: string;
  namespace: string;
  serviceAccount: string;
}): Record<string, unknown> {
  return {
    Sid: o.sid,
    Effect: "Allow",
    Principal: { Service: "pods.eks.amazonaws.com" },
    Action: ["sts:AssumeRole", "sts:TagSession"],
    Condition: {
      StringEquals: {
        "aws:SourceAccount": o.account,
        "aws:RequestTag/eks-cluster-name": o.cluster,
        "aws:RequestTag/kubernetes-namespace": o.namespace,
        "aws:RequestTag/kubernetes-service-account": o.serviceAccount,
      },
      ArnEquals: { "aws:SourceArn": `arn:${o.partition}:eks:${o.region}:${o.account}:cluster/${o.cluster}` },
    },
  };
}
