import { type DynamicModule, Module } from '@nestjs/common';
import { DeviceFlowModule } from '../libs/device-flow/src/index.js';
import { dataSourceOptionsFromUrl } from './database-url.js';
import { DEMO_CLIENTS, type DemoConfig } from './demo.config.js';

/** The demo authorization server: a thin host app around {@link DeviceFlowModule}. */
@Module({})
export class AppModule {
  static forConfig(config: DemoConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DeviceFlowModule.forRoot({
          issuer: config.issuer,
          expiresIn: config.expiresIn,
          interval: config.interval,
          hashSecret: config.hashSecret,
          database: dataSourceOptionsFromUrl(config.databaseUrl),
          ...(config.redisUrl ? { storage: 'redis', redis: { url: config.redisUrl } } : {}),
          clients: DEMO_CLIENTS,
        }),
      ],
    };
  }
}
