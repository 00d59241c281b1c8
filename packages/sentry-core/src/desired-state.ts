import { join } from 'node:path';
import { type DesiredStateDocument, desiredStateDocumentSchema, signedDocumentSchema } from '@mrm/protocol';
import { verifySignedDocument } from '@mrm/protocol/signing';
import type { CommanderClient } from './commander-client.js';
import type { SentryConfig } from './config.js';
import { readJsonFile, writeJsonFile } from './state-files.js';

export class DesiredStateRefused extends Error {}

/**
 * Checks a desired-state envelope before anything acts on it: the signature must verify with the
 * key pinned at enrolment, the document must be addressed to this sentry and of its kind, and its
 * revision must not be older than one already accepted (a replayed old document is refused).
 */
export function verifyDesiredState(
  body: unknown,
  config: SentryConfig,
  lastRevision: number,
): DesiredStateDocument {
  const env = signedDocumentSchema.safeParse(body);
  if (!env.success) throw new DesiredStateRefused('desired state is not a signed document; refusing it');
  if (!verifySignedDocument(env.data, config.commanderPublicKey)) {
    throw new DesiredStateRefused(
      'desired state signature does not verify with the pinned commander key; refusing it',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(env.data.payload);
  } catch {
    throw new DesiredStateRefused('signed desired state is not JSON');
  }
  const doc = desiredStateDocumentSchema.safeParse(parsed);
  if (!doc.success)
    throw new DesiredStateRefused(
      `signed desired state has an unknown shape: ${doc.error.issues[0]?.message}`,
    );
  if (doc.data.sentryId !== config.sentryId)
    throw new DesiredStateRefused('desired state is addressed to another sentry');
  if (doc.data.kind !== config.kind)
    throw new DesiredStateRefused(`desired state is for a ${doc.data.kind} sentry`);
  if (doc.data.revision < lastRevision) {
    throw new DesiredStateRefused(
      `desired state revision ${doc.data.revision} is older than ${lastRevision}, already accepted`,
    );
  }
  return doc.data;
}

interface FetchState {
  etag: string | null;
  revision: number;
}

/** Polls the desired state with If-None-Match and remembers what it accepted across restarts. */
export class DesiredStateFetcher {
  private readonly file: string;
  private state: FetchState;

  constructor(
    stateDir: string,
    private readonly client: CommanderClient,
    private readonly config: SentryConfig,
  ) {
    this.file = join(stateDir, 'desired-state-meta.json');
    this.state = readJsonFile<FetchState>(this.file) ?? { etag: null, revision: 0 };
  }

  get revision(): number {
    return this.state.revision;
  }

  /** The new document, or null when nothing changed. Throws DesiredStateRefused on a bad one. */
  async fetch(force = false): Promise<DesiredStateDocument | null> {
    const answer = await this.client.desiredState(force ? null : this.state.etag);
    if (!answer) return null;
    const doc = verifyDesiredState(answer.body, this.config, this.state.revision);
    if (!force && doc.revision === this.state.revision && answer.etag === this.state.etag) return null;
    this.state = { etag: answer.etag, revision: doc.revision };
    writeJsonFile(this.file, this.state);
    return doc;
  }
}
