/** A question the simulator asks. */
export interface Question {
  anonymous: boolean;
  username: string;
  clientId: string;
  topic: string;
  access: 'read' | 'write';
}

/** A row of the identities × topics matrix. */
export interface MatrixIdentity {
  username?: string;
  clientId: string;
}
