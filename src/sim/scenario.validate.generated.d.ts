// Declarations of scenario.validate.generated.js (scripts/build-validator.mjs writes the code).
import type { ErrorObject } from "ajv";

export interface ScenarioValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export declare const validate: ScenarioValidator;
export default validate;
