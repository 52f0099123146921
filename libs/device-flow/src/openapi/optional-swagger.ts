import type * as SwaggerModule from '@nestjs/swagger';
import { isPackageMissing } from '../optional-peer.js';

/**
 * `@nestjs/swagger`, an optional peer: the module's OpenAPI decorators ({@link ./api-docs.ts}) come from it when
 * the host app has it installed, and record nothing otherwise. An app that serves no OpenAPI document needs no
 * Swagger packages. Loaded once, when the module is first imported (top-level `await`: the decorators run as the
 * controller classes are defined, right after).
 *
 * No declaration the package's entry point reaches names a Swagger type (this file's own `.d.ts` is not one of
 * them), so a host without `@nestjs/swagger` also compiles. A library resolving its own copy of Swagger other
 * than the host's (`npm link`) may find none where the host has one: the host's document then lists the
 * module's hidden routes too (the catch-all 405 handlers, the verification page).
 */
type Swagger = typeof SwaggerModule;

async function load(): Promise<Swagger | null> {
  try {
    return await import('@nestjs/swagger');
  } catch (error) {
    if (isPackageMissing(error, '@nestjs/swagger')) return null;
    throw error;
  }
}

const swagger = await load();

/** A decorator factory that records nothing, standing in for a Swagger one. */
const none = (() => () => undefined) as unknown as (...args: unknown[]) => never;

/** The Swagger decorators the module uses: the real ones, or ones that record nothing. */
export const ApiBasicAuth: Swagger['ApiBasicAuth'] = swagger?.ApiBasicAuth ?? none;
export const ApiBody: Swagger['ApiBody'] = swagger?.ApiBody ?? none;
export const ApiConsumes: Swagger['ApiConsumes'] = swagger?.ApiConsumes ?? none;
export const ApiExcludeController: Swagger['ApiExcludeController'] =
  swagger?.ApiExcludeController ?? none;
export const ApiExcludeEndpoint: Swagger['ApiExcludeEndpoint'] =
  swagger?.ApiExcludeEndpoint ?? none;
export const ApiOperation: Swagger['ApiOperation'] = swagger?.ApiOperation ?? none;
export const ApiQuery: Swagger['ApiQuery'] = swagger?.ApiQuery ?? none;
export const ApiResponse: Swagger['ApiResponse'] = swagger?.ApiResponse ?? none;
export const ApiTags: Swagger['ApiTags'] = swagger?.ApiTags ?? none;
