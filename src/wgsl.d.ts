/** WGSL kernel source, imported as text (tsup `loader: { ".wgsl": "text" }`). */
declare module "*.wgsl" {
  const src: string;
  export default src;
}
