// A 204 answer. Its body must be null: Node's Response constructor refuses a 204 with any body, even
// the empty string Elysia renders for a handler that returns nothing (Bun lets that pass).
export const noContent = () => new Response(null, { status: 204 })
