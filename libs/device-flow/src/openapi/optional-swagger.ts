import type * as SwaggerModule from '@nestjs/swagger';
import { isPackageMissing } from '../optional-peer.js';

/**
 * `@nestjs/swagger`, an optional peer: the module's OpenAPI decorators ({@link ./api-docs.ts}) come from it when
 * the host app has it installed, and record nothing otherwise. An app that serves no OpenAPI document needs no
 * Swagger packages. Loaded once, when the module is first imported (top-level `await`: the decorators run as the
 * controller classes are defined, right after).
 *
 * Nothing here is part of the package's declarations, so a host without `@nestjs/swagger` also compiles.
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

/** Whether `@nestjs/swagger` is installed (the decorators record metadata). */
export const swaggerInstalled = swagger !== null;
