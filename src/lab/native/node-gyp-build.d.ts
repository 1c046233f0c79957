// node-gyp-build 4.x (no types of its own): load(dir) requires the binary it picks; load.path(dir) returns its path
// (throws when it finds none for this platform and runtime).
declare module 'node-gyp-build' {
  interface NodeGypBuild {
    (dir?: string): unknown;
    path(dir?: string): string;
  }
  const load: NodeGypBuild;
  export default load;
}
