export * from "./backup-bucket";
export * from "./retention";
export * from "./objectives";
