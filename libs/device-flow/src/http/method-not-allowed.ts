import { Delete, Get, Options, Patch, Post, Put } from '@nestjs/common';
import { MethodNotAllowedError } from '../errors/oauth.errors.js';
import { WrongMethodDocs } from '../openapi/api-docs.js';

/**
 * Base of an endpoint served by POST only: every other method gets `405` with `Allow: POST` as OAuth JSON.
 * One handler per method rather than `@All()`, because Fastify refuses a catch-all route beside a POST route
 * on the same path. (HEAD follows GET on both platforms.)
 *
 * @see RFC 6749 §3.2 ("The client MUST use the HTTP POST method"); RFC 8628 §3.1
 */
export abstract class PostOnlyEndpoint {
  @Get()
  @WrongMethodDocs()
  rejectGet(): never {
    throw new MethodNotAllowedError('POST');
  }

  @Put()
  @WrongMethodDocs()
  rejectPut(): never {
    throw new MethodNotAllowedError('POST');
  }

  @Patch()
  @WrongMethodDocs()
  rejectPatch(): never {
    throw new MethodNotAllowedError('POST');
  }

  @Delete()
  @WrongMethodDocs()
  rejectDelete(): never {
    throw new MethodNotAllowedError('POST');
  }

  @Options()
  @WrongMethodDocs()
  rejectOptions(): never {
    throw new MethodNotAllowedError('POST');
  }
}

/** Base of an endpoint served by GET (and HEAD) only. @see RFC 8414 §3 */
export abstract class GetOnlyEndpoint {
  @Post()
  @WrongMethodDocs()
  rejectPost(): never {
    throw new MethodNotAllowedError('GET');
  }

  @Put()
  @WrongMethodDocs()
  rejectPut(): never {
    throw new MethodNotAllowedError('GET');
  }

  @Patch()
  @WrongMethodDocs()
  rejectPatch(): never {
    throw new MethodNotAllowedError('GET');
  }

  @Delete()
  @WrongMethodDocs()
  rejectDelete(): never {
    throw new MethodNotAllowedError('GET');
  }

  @Options()
  @WrongMethodDocs()
  rejectOptions(): never {
    throw new MethodNotAllowedError('GET');
  }
}
