import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import type { DeviceFlowModuleOptions } from './device-flow.options.js';
import type { DeviceFlowRoutes } from './device-flow.routes.js';

/** Options given beside the module options, synchronously, in both `forRoot` and `forRootAsync`. */
export interface DeviceFlowModuleExtras {
  /** Register the module globally (default false). */
  isGlobal?: boolean;
  /**
   * Path the verification page is mounted at. Default: the path of `verificationUri` with `forRoot` (not
   * mounted when it is on another host), `/device` with `forRootAsync`. `false`: do not mount it.
   */
  verificationPath?: string | false;
  /** Endpoint paths. */
  routes?: Partial<DeviceFlowRoutes>;
  /**
   * Providers that replace the defaults, by token: e.g.
   * `[{ provide: DeviceCodeRepository, useClass: MyDeviceCodeStore }]` (a class of yours implementing
   * `DeviceCodeRepository`, whose constructor Nest can inject).
   */
  providers?: Provider[];
}

const definition = new ConfigurableModuleBuilder<DeviceFlowModuleOptions>({
  moduleName: 'DeviceFlow',
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createDeviceFlowOptions')
  .setExtras<DeviceFlowModuleExtras>(
    { isGlobal: false, routes: {}, providers: [], verificationPath: undefined },
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }),
  )
  .build();

/** Built by Nest's ConfigurableModuleBuilder; {@link DeviceFlowModule} extends the class. */
export const DeviceFlowConfigurableModule = definition.ConfigurableModuleClass;

/**
 * Injection token of the options exactly as given to `forRoot` / `forRootAsync`, before defaults and
 * validation. Inject `DEVICE_FLOW_OPTIONS` for the resolved ones.
 */
export const DEVICE_FLOW_MODULE_OPTIONS = definition.MODULE_OPTIONS_TOKEN;

/** Type of `forRoot`'s argument, module options and extras together (internal; exported as {@link DeviceFlowRootOptions}). */
export const DEVICE_FLOW_OPTIONS_TYPE = definition.OPTIONS_TYPE;

/** Type of `forRootAsync`'s argument (internal; exported as {@link DeviceFlowAsyncOptions}). */
export const DEVICE_FLOW_ASYNC_OPTIONS_TYPE = definition.ASYNC_OPTIONS_TYPE;

/** `forRoot`'s argument: the module options and {@link DeviceFlowModuleExtras} together. */
export type DeviceFlowRootOptions = typeof DEVICE_FLOW_OPTIONS_TYPE;

/** `forRootAsync`'s argument: `imports`, `inject`, one of `useFactory` / `useClass` / `useExisting`, and the extras. */
export type DeviceFlowAsyncOptions = typeof DEVICE_FLOW_ASYNC_OPTIONS_TYPE;

/** What `forRootAsync({ useClass })` or `useExisting` provides: a class that makes the module options. */
export interface DeviceFlowOptionsFactory {
  createDeviceFlowOptions(): DeviceFlowModuleOptions | Promise<DeviceFlowModuleOptions>;
}
