import { describe, expect, it } from 'vitest';
import { hashClientSecret, verifyClientSecret } from './secret-hash.js';

describe('client secret hashing (scrypt)', () => {
  it('stores scrypt$N$r$p$salt$hash with a fresh salt and verifies only the right secret', async () => {
    const a = await hashClientSecret('correct horse');
    const b = await hashClientSecret('correct horse');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct');
    expect(await verifyClientSecret('correct horse', a)).toBe(true);
    expect(await verifyClientSecret('correct horse', b)).toBe(true);
    expect(await verifyClientSecret('correct horsE', a)).toBe(false);
    expect(await verifyClientSecret('', a)).toBe(false);
  });

  it('never verifies against a malformed or hostile stored hash', async () => {
    const good = await hashClientSecret('s3cret-value');
    const [, n, r, p, salt, key] = good.split('$');
    for (const stored of [
      '',
      's3cret-value',
      `bcrypt$${n}$${r}$${p}$${salt}$${key}`,
      `scrypt$${n}$${r}$${p}$${salt}`,
      `scrypt$0$${r}$${p}$${salt}$${key}`,
      `scrypt$${2 ** 21}$${r}$${p}$${salt}$${key}`,
      `scrypt$x$${r}$${p}$${salt}$${key}`,
      `scrypt$${n}$${r}$${p}$${salt}$`,
      `scrypt$${n}$${r}$${p}$${salt}$${key.slice(0, 20)}`,
    ])
      expect(await verifyClientSecret('s3cret-value', stored), stored).toBe(false);
  });
});
