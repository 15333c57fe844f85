/** The part of asl-validator 4's API the tests use (it ships no types). */
declare module 'asl-validator' {
  export default function aslValidator(definition: unknown): {
    isValid: boolean;
    errorsText(separator?: string): string;
  };
}
