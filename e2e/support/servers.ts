// The two servers as test cases: tests declared for each, ejabberd's BOSH ones in a group with retries.
import { EJABBERD_BOSH_RETRIES, type ServerName } from './env.js';
import { test } from './fixtures.js';

export interface ServerCase {
  name: string;
  server: ServerName;
  domain: string;
  /** An account of the server's whose password is `${user}pass`, free for a prebind login. */
  prebindUser: string;
}

export const PROSODY: ServerCase = { name: 'Prosody', server: 'prosody', domain: 'localhost', prebindUser: 'carol' };
export const EJABBERD: ServerCase = { name: 'ejabberd', server: 'ejabberd', domain: 'ej.localhost', prebindUser: 'bob' };

/** Declares BOSH tests for both servers; ejabberd's get {@link EJABBERD_BOSH_RETRIES} (reported as flaky when used). */
export function forBoshServers(declare: (s: ServerCase) => void): void {
  declare(PROSODY);
  test.describe(() => {
    test.describe.configure({ retries: EJABBERD_BOSH_RETRIES });
    declare(EJABBERD);
  });
}
