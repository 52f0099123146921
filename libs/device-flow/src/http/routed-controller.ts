import type { Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';

/**
 * A copy of a controller class mounted at `path`. Route paths are configuration, so each module instance gets
 * its own subclass carrying its own path metadata; the shared base class is never mutated.
 */
export function routedController<T extends Type>(base: T, path: string): T {
  const routed = class extends base {};
  Object.defineProperty(routed, 'name', { value: base.name });
  Reflect.defineMetadata(PATH_METADATA, path, routed);
  return routed;
}
