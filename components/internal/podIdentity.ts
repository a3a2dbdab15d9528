/**
 * The trust statement of an IAM role for EKS Pod Identity, scoped to one cluster's one service account. Internal.
 *
 * The service principal `pods.eks.amazonaws.com` (EKS Auth) may assume the role only on behalf of this account
 * (`aws:SourceAccount`) and only with the session tags EKS Pod Identity sets for this cluster and the one service
 * account: `eks-cluster-arn` (account, region and cluster), `eks-cluster-name`, `kubernetes-namespace`,
 * `kubernetes-service-account` (EKS user guide, "Create IAM role with trust policy required by EKS Pod Identity"
 * and its list of session tags, whose conditions AWS validated: awsdocs/amazon-eks-user-guide#1047).
 * `sts:TagSession` is needed because the service passes those tags. No `aws:SourceArn`: no AWS page states a
 * value EKS Auth sends for it, and a condition on a key the request lacks denies every assume (a role with an
 * `aws:SourceArn` condition on the association ARN stopped working: awslabs/mountpoint-s3-csi-driver#781);
 * the `eks-cluster-arn` tag pins the cluster instead.
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
        "aws:RequestTag/eks-cluster-arn": `arn:${o.partition}:eks:${o.region}:${o.account}:cluster/${o.cluster}`,
        "aws:RequestTag/eks-cluster-name": o.cluster,
        "aws:RequestTag/kubernetes-namespace": o.namespace,
        "aws:RequestTag/kubernetes-service-account": o.serviceAccount,
      },
    },
  };
}
