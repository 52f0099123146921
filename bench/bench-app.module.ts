import {
  Controller,
  type DynamicModule,
  HttpCode,
  Inject,
  Module,
  NotFoundException,
  type OnModuleInit,
  Post,
  Query,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  CachingClientRepository,
  type ClientRecord,
  DeviceAuthorizationService,
} from '../libs/device-flow/src/index.js';
import { AppModule } from '../src/app.module.js';
import type { DemoConfig } from '../src/demo.config.js';
import { takeProfile } from './profiler.js';

/** The fixed answer of the bare route: the size and shape of a real authorization_pending answer. */
const BARE_ANSWER = {
  error: 'authorization_pending',
  error_description: 'the user has not yet approved the request',
};

/**
 * Bench-only routes, mounted beside the demo app in the benchmark server and nowhere else:
 * - `POST /bench/bare`: scenario (d), a bare Nest route — the platform's body parser has parsed the form,
 *   the handler answers a fixed 400 JSON, the baseline every scenario is compared to;
 * - `POST /bench/seed?n=`: creates `n` device authorizations through the real service, returns their codes;
 * - `POST /bench/profile?name=`: with `--profile`, writes the server's CPU profile so far (bench/profiler.ts).
 *
 * Scenario (c) needs no route of its own: it submits codes to the demo's verification page, signed in.
 */
@Controller('bench')
class BenchController implements OnModuleInit {
  private authorizations!: DeviceAuthorizationService;
  private client!: ClientRecord;

  constructor(@Inject(ModuleRef) private readonly modules: ModuleRef) {}

  async onModuleInit(): Promise<void> {
    this.authorizations = this.modules.get(DeviceAuthorizationService, { strict: false });
  }

  @Post('bare')
  @HttpCode(400)
  bare(): typeof BARE_ANSWER {
    return BARE_ANSWER;
  }

  @Post('seed')
  async seed(@Query('n') n: string): Promise<{ device_code: string; user_code: string }[]> {
    this.client ??= (await this.modules
      .get(CachingClientRepository, { strict: false })
      .findById('demo-device'))!;
    const out = [];
    for (let i = 0; i < Math.min(Number(n) || 0, 5000); i++) {
      const r = await this.authorizations.authorize(this.client, 'read', {
        ip: '127.0.0.1',
        userAgent: 'bench',
      });
      out.push({ device_code: r.device_code, user_code: r.user_code });
    }
    return out;
  }

  /** `npm run bench -- --profile`: writes the server's CPU profile since the last call (404 when off). */
  @Post('profile')
  @HttpCode(204)
  async profile(@Query('name') name: string): Promise<void> {
    if (!(await takeProfile(name || 'profile'))) throw new NotFoundException('profiler is off');
  }
}

/** A guessing budget the benchmark never spends. */
const UNLIMITED = { limit: 1_000_000_000, windowSeconds: 900 };

/** The demo app plus the bench-only routes. */
@Module({})
export class BenchAppModule {
  static forConfig(config: DemoConfig): DynamicModule {
    return {
      module: BenchAppModule,
      // (c) measures code lookups, not the guessing limits: a budget a single signed-in user's 50 parallel
      // connections never reach (each entry holds a reservation while it is looked up).
      imports: [
        AppModule.forConfig(config, {
          perIp: UNLIMITED,
          perSession: UNLIMITED,
          perUser: UNLIMITED,
          global: UNLIMITED,
        }),
      ],
      controllers: [BenchController],
    };
  }
}
