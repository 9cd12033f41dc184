/**
 * Declarative compute-kernel specs: a kernel names its parameters and buffers, and its WGSL body
 * refers to them by name. The declarations (uniform struct, storage bindings) are generated here,
 * so every kernel binds the same way: binding 0 is the uniform block `p`, bindings 1.. are the
 * buffers in the order they are declared.
 *
 * @module
 */

/** Scalar type of a kernel parameter. */
export type ParamType = "u32" | "i32" | "f32";

/** Element type of a storage buffer as the WGSL code sees it. */
export type StorageType = "f32" | "u32" | "i32" | "vec4<f32>";

/** One storage buffer a kernel binds, or (`type: "texture"`) a read-only rgba32float texture. */
export interface BufferDecl {
  /** Name used in the WGSL body. */
  name: string;
  /** Element type of the runtime-sized array; "texture" declares a `texture_2d<f32>`. */
  type: StorageType | "texture";
  /** Whether the kernel writes the buffer (textures are read). */
  access: "read" | "read_write";
}

/** A compute kernel: its WGSL body plus declarations of what it binds. */
export interface Kernel {
  /** Unique, stable name: the pipeline cache key. */
  name: string;
  /** Uniform parameters, in order; the body reads them as `p.<name>`. */
  params: ReadonlyArray<readonly [string, ParamType]>;
  /** Storage buffers, in binding order. */
  buffers: ReadonlyArray<BufferDecl>;
  /** Workgroup size (x, y, z). */
  workgroupSize: readonly [number, number, number];
  /** WGSL source after the declarations: helper functions and the body of `main`. */
  body: string;
  /** Extra WGSL placed before `main` (helper functions, constants). */
  prelude?: string;
}

/**
 * Assembles the complete WGSL module of a kernel.
 *
 * @example
 * ```ts
 * const code = kernelSource({ name: "fill", params: [["n", "u32"]],
 *   buffers: [{ name: "out", type: "f32", access: "read_write" }],
 *   workgroupSize: [64, 1, 1], body: "if (gid.x < p.n) { out[gid.x] = 1.0; }" });
 * ```
 */
export function kernelSource(kernel: Kernel): string {
  const fields = kernel.params.length === 0
    ? "  _unused: u32,"
    : kernel.params.map(([name, type]) => `  ${name}: ${type},`).join("\n");
  const bindings = kernel.buffers.map((b, i) =>
    b.type === "texture"
      ? `@group(0) @binding(${i + 1}) var ${b.name}: texture_2d<f32>;`
      : `@group(0) @binding(${i + 1}) var<storage, ${b.access}> ${b.name}: array<${b.type}>;`
  ).join("\n");
  const [x, y, z] = kernel.workgroupSize;
  // Reference every binding so that the automatic layout keeps them all even when a kernel
  // variant does not read one (a dropped binding would make every dispatch invalid).
  const uses = [
    "  _ = p;",
    ...kernel.buffers.map((b) => `  _ = ${b.type === "texture" ? "" : "&"}${b.name};`),
  ]
    .join("\n");
  return `struct Params {
${fields}
}
@group(0) @binding(0) var<uniform> p: Params;
${bindings}
${kernel.prelude ?? ""}
@compute @workgroup_size(${x}, ${y}, ${z})
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
${uses}
${kernel.body}
}
`;
}

/** Bytes the uniform block of a kernel occupies (each parameter is 4 bytes, padded to 16). */
export function paramBytes(kernel: Kernel): number {
  return Math.max(16, Math.ceil((kernel.params.length * 4) / 16) * 16);
}
