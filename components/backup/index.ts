export * from "./backup-bucket";
export * from "./backup-plan";
export * from "./retention";
export * from "./objectives";
export * from "./alert-rules";
export * from "./backup-image";
export * from "./metrics";
export * from "./backup-jobs";
