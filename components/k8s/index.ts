export * from "./app-service";
export * from "./conventions";
export * from "./issuers";
export * from "./platform";
export * from "./external-secrets";
export * from "./irsa";
