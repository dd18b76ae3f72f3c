// Swagger UI's files, imported as text so that `bun build` embeds them in the bundle and the binary.
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const text: string
  export default text
}
declare module 'swagger-ui-dist/swagger-ui.css' {
  const text: string
  export default text
}
