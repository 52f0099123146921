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
   * `[{ provide: DeviceCodeRepository, useClass: RedisDeviceCodeRepository }]`.
   */
  providers?: Provider[];
}

/** Built by Nest's ConfigurableModuleBuilder; {@link DeviceFlowModule} extends the class. */
export const {
  ConfigurableModuleClass: DeviceFlowConfigurableModule,
  MODULE_OPTIONS_TOKEN: DEVICE_FLOW_MODULE_OPTIONS,
  OPTIONS_TYPE: DEVICE_FLOW_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: DEVICE_FLOW_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<DeviceFlowModuleOptions>({ moduleName: 'DeviceFlow' })
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
