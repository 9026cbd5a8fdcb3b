export * from "./backup-bucket";
export * from "./retention";
export * from "./alert-rules";
export * from "./backup-image";
