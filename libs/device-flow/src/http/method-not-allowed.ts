import { Delete, Get, Options, Patch, Post, Put } from '@nestjs/common';
import { MethodNotAllowedError } from '../errors/oauth.errors.js';

/**
 * Base of an endpoint served by POST only: every other method gets `405` with `Allow: POST` as OAuth JSON.
 * One handler per method rather than `@All()`, because Fastify refuses a catch-all route beside a POST route
 * on the same path. (HEAD follows GET on both platforms.)
 *
 * @see RFC 6749 §3.2 ("The client MUST use the HTTP POST method"); RFC 8628 §3.1
 */
export abstract class PostOnlyEndpoint {
  @Get()
  rejectGet(): never {
    throw new MethodNotAllowedError('POST');
  }

  @Put()
  rejectPut(): never {
    throw new MethodNotAllowedError('POST');
  }

  @Patch()
  rejectPatch(): never {
    throw new MethodNotAllowedError('POST');
  }

  @Delete()
  rejectDelete(): never {
    throw new MethodNotAllowedError('POST');
  }

  @Options()
  rejectOptions(): never {
    throw new MethodNotAllowedError('POST');
  }
}

/** Base of an endpoint served by GET (and HEAD) only. @see RFC 8414 §3 */
export abstract class GetOnlyEndpoint {
  @Post()
  rejectPost(): never {
    throw new MethodNotAllowedError('GET');
  }

  @Put()
  rejectPut(): never {
    throw new MethodNotAllowedError('GET');
  }

  @Patch()
  rejectPatch(): never {
    throw new MethodNotAllowedError('GET');
  }

  @Delete()
  rejectDelete(): never {
    throw new MethodNotAllowedError('GET');
  }

  @Options()
  rejectOptions(): never {
    throw new MethodNotAllowedError('GET');
  }
}
