// The one call scripts/build-wasm.mjs makes into the AssemblyScript compiler. tsconfig maps 'assemblyscript/asc'
// here because the package's own declarations also declare globals (`require(name): unknown`, the AssemblyScript
// builtins) that would replace Node's for every file of the project.
declare const asc: {
  main(argv: string[]): Promise<{ error: Error | null; stderr: { toString(): string } }>;
};
export default asc;
