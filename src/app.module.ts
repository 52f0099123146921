import { readFileSync } from 'node:fs';
import { type DynamicModule, Module } from '@nestjs/common';
import {
  DeviceFlowModule,
  type DeviceFlowModuleOptions,
  VerificationUserResolver,
} from '../libs/device-flow/src/index.js';
import { AdminController, DEMO_ADMIN_SECRET, DemoAdminGuard } from './admin.controller.js';
import { DemoErrorsModule } from './demo-error.filter.js';
import { AUDIT_LOG_SINK, AuditLog, stdoutSink } from './audit-log.js';
import { ConnectionDrain } from './connection-drain.js';
import { dataSourceOptionsFromUrl } from './database-url.js';
import { DEMO_CLIENTS, type DemoConfig } from './demo.config.js';
import { DemoSessionStore, DemoUserResolver } from './demo-users.js';
import { DevicesController } from './devices.controller.js';
import { HomeController } from './home.controller.js';
import { LoginAttempts } from './login-attempts.js';
import { LoginController } from './login.controller.js';
import { OutsideIssuerPath } from './outside-issuer-path.js';

/** The demo authorization server: a thin host app around {@link DeviceFlowModule}. */
@Module({})
export class AppModule {
  /**
   * @param verification More verification page options (the benchmark raises the guessing budgets, whose
   *   in-flight reservations would otherwise refuse its 50 parallel submissions from one signed-in user).
   */
  static forConfig(
    config: DemoConfig,
    verification: Omit<
      NonNullable<DeviceFlowModuleOptions['verification']>,
      'loginUrl' | 'logoutUrl'
    > = {},
  ): DynamicModule {
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
          ...(config.redisUrl ? { storage: 'redis', redis: { url: config.redisUrl } } : {}),
          clients: DEMO_CLIENTS,
          verification: { ...verification, loginUrl: '/login', logoutUrl: '/logout' },
          providers: [
            { provide: VerificationUserResolver, useValue: new DemoUserResolver(sessions) },
          ],
          ...tokenFormat(config),
        }),
        // After DeviceFlowModule, so that Nest tries DemoErrorFilter before the module's global filter.
        DemoErrorsModule,
      ],
      controllers: [HomeController, LoginController, DevicesController, AdminController],
      providers: [
        { provide: DemoSessionStore, useValue: sessions },
        { provide: DEMO_ADMIN_SECRET, useValue: config.adminToken },
        { provide: AUDIT_LOG_SINK, useValue: stdoutSink },
        DemoAdminGuard,
        LoginAttempts,
        OutsideIssuerPath,
        AuditLog,
        ConnectionDrain,
      ],
    };
  }
}

/** Access token options from the demo configuration. */
function tokenFormat(config: DemoConfig): Partial<DeviceFlowModuleOptions> {
  if (config.accessTokenFormat !== 'jwt') return {};
  if (!config.jwtKeyFile) return { accessTokenFormat: 'jwt' };
  return {
    accessTokenFormat: 'jwt',
    jwt: {
      keys: [
        { kid: 'demo-1', alg: config.jwtAlg, privateKey: readFileSync(config.jwtKeyFile, 'utf8') },
      ],
    },
  };
}
