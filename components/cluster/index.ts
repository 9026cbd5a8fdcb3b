export * from "./network";
export * from "./eks-cluster";
export * from "./node-groups";
export * from "./addons";
