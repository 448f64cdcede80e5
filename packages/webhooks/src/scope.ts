/** Whose objects a request sees: the API key's team, in the key's mode. */
export interface TeamScope {
  teamId: string;
  livemode: boolean;
}
