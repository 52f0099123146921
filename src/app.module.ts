import { type DynamicModule, Module } from '@nestjs/common';
import {
  type Clock,
  DeviceFlowModule,
  VerificationUserResolver,
} from '../libs/device-flow/src/index.js';
import { dataSourceOptionsFromUrl } from './database-url.js';
import { DEMO_CLIENTS, type DemoConfig } from './demo.config.js';
import { DemoSessionStore, DemoUserResolver } from './demo-users.js';
import { LoginController } from './login.controller.js';

/** The demo authorization server: a thin host app around {@link DeviceFlowModule}. */
@Module({})
export class AppModule {
  /** `overrides.clock` lets tests drive time (expiry) without sleeping. */
  static forConfig(config: DemoConfig, overrides: { clock?: Clock } = {}): DynamicModule {
    const sessions = new DemoSessionStore();
    return {
      module: AppModule,
      imports: [
        DeviceFlowModule.forRoot({
          issuer: config.issuer,
          expiresIn: config.expiresIn,
          interval: config.interval,
          hashSecret: config.hashSecret,
          database: dataSourceOptionsFromUrl(config.databaseUrl),
          clients: DEMO_CLIENTS,
          verification: { loginUrl: '/login' },
          clock: overrides.clock,
          providers: [
            { provide: VerificationUserResolver, useValue: new DemoUserResolver(sessions) },
          ],
        }),
      ],
      controllers: [LoginController],
      providers: [{ provide: DemoSessionStore, useValue: sessions }],
    };
  }
}
