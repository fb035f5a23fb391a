import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, buildQuery, configureApi, listAll, parseErrorBody, request } from '../src/lib/api';

describe('buildQuery', () => {
  it('writes nested fields with dots and repeated fields as repeated keys', () => {
    expect(buildQuery({ pageSize: 20, period: { granularity: 'MONTH', startDate: '2026-03-01' }, ids: ['a', 'b'] })).toBe(
      'pageSize=20&period.granularity=MONTH&period.startDate=2026-03-01&ids=a&ids=b',
    );
  });
  it('leaves out empty values and escapes Chinese', () => {
    expect(buildQuery({ query: '華為', tier: '', stage: undefined, x: null, ok: false })).toBe('query=%E8%8F%AF%E7%82%BA&ok=false');
    expect(buildQuery(undefined)).toBe('');
  });
});

describe('parseErrorBody', () => {
  it('reads a google.rpc.Status with field violations', () => {
    const e = parseErrorBody(400, 'Bad Request', JSON.stringify({
      code: 3,
      message: 'tasks: weights must sum to 100',
      details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'tasks[1].weight', description: 'must be > 0' }] }],
    }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.code).toBe(3);
    expect(e.codeName).toBe('INVALID_ARGUMENT');
    expect(e.message).toBe('tasks: weights must sum to 100');
    expect(e.violations).toEqual([{ field: 'tasks[1].weight', description: 'must be > 0' }]);
  });
  it('copes with bodies that are not a Status', () => {
    const a = parseErrorBody(502, 'Bad Gateway', '<html>oops</html>');
    expect(a.code).toBe(13);
    expect(a.message).toBe('<html>oops</html>');
    const b = parseErrorBody(404, 'Not Found', '');
    expect(b.code).toBe(5);
    expect(b.notFound).toBe(true);
    expect(b.message).toBe('Not Found');
    const c = parseErrorBody(401, '', '{"message":""}');
    expect(c.code).toBe(16);
    expect(c.message).toBe('HTTP 401');
  });
});

describe('request', () => {
  afterEach(() => configureApi({ fetch: undefined, token: () => null, onUnauthorized: () => {} }));

  it('sends the bearer token and JSON body, and parses the answer', async () => {
    const fetch = vi.fn(async () => new Response('{"id":"gc_1","state":"GOAL_CARD_STATE_RETURNED"}', { status: 200 }));
    configureApi({ fetch: fetch as unknown as typeof globalThis.fetch, token: () => 'tok', baseUrl: '' });
    const r = await request<{ id: string }>('POST', '/v1/goalCards/gc_1:return', { body: { reason: '签约目标要写金额' } });
    expect(r.id).toBe('gc_1');
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/v1/goalCards/gc_1:return');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(init.body).toBe('{"reason":"签约目标要写金额"}');
  });

  it('reports a 401 to the session and throws', async () => {
    const onUnauthorized = vi.fn();
    configureApi({
      fetch: (async () => new Response('{"code":16,"message":"token expired"}', { status: 401 })) as unknown as typeof fetch,
      onUnauthorized,
    });
    await expect(request('GET', '/v1/inbox')).rejects.toMatchObject({ code: 16, message: 'token expired' });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('turns a network failure into UNAVAILABLE', async () => {
    configureApi({ fetch: (async () => { throw new TypeError('Failed to fetch'); }) as unknown as typeof fetch });
    await expect(request('GET', '/v1/inbox')).rejects.toMatchObject({ code: 14 });
  });

  it('follows page tokens', async () => {
    const pages = [{ items: [1, 2], nextPageToken: 'p2' }, { items: [3], nextPageToken: '' }];
    const urls: string[] = [];
    configureApi({
      fetch: (async (u: string) => {
        urls.push(u);
        return new Response(JSON.stringify(pages[urls.length - 1]));
      }) as unknown as typeof fetch,
    });
    const all = await listAll<{ items: number[] }, number>('/v1/x', { pageSize: 2 }, (r) => r.items);
    expect(all).toEqual([1, 2, 3]);
    expect(urls).toEqual(['/v1/x?pageSize=2', '/v1/x?pageSize=2&pageToken=p2']);
  });
});
