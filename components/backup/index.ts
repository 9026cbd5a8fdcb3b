export * from "./backup-bucket";
export * from "./backup-plan";
export * from "./retention";
export * from "./objectives";
