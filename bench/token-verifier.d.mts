// Types of bench/token-verifier.mjs for the TypeScript that imports it (bench/ceiling.ts).
import type { JwtPayload } from 'aws-jwt-verify/jwt-model'

export declare const createTokenVerifier: (
  issuer: string,
  clientId: string,
) => { verify(token: string): Promise<JwtPayload> }

export declare function identityOf(claims: Record<string, unknown>): { body: string; headers: Record<string, string> }
