import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FORM_CONTENT_TYPE } from './form-body.parser.js';

/** The part of a Fastify instance this needs (typed here so Fastify stays an optional dependency). */
interface FastifyContentTypes {
  hasContentTypeParser(type: string): boolean;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer' },
    parser: (req: unknown, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => void,
  ): void;
}

/**
 * On `@nestjs/platform-fastify`, makes sure form bodies reach {@link parseForm}. Fastify refuses (415) any
 * content type without a registered parser; Nest registers one for forms unless the app was created with
 * `bodyParser: false`. In that case this registers a pass-through that hands the raw bytes over unparsed, so
 * `parseForm` stays the one form parser. Runs once at start-up; does nothing on Express.
 *
 * @see RFC 6749 §3.2 (token requests are `application/x-www-form-urlencoded`)
 */
@Injectable()
export class FastifyFormContent implements OnModuleInit {
  constructor(@Optional() @Inject(HttpAdapterHost) private readonly host?: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.host?.httpAdapter;
    if (!adapter || adapter.getType() !== 'fastify') return;
    const fastify = adapter.getInstance<FastifyContentTypes>();
    if (fastify.hasContentTypeParser(FORM_CONTENT_TYPE)) return;
    fastify.addContentTypeParser(FORM_CONTENT_TYPE, { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
  }
}
