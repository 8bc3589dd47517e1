import { Slots } from './slots';

describe('Slots', () => {
  it('bounds concurrency and hands slots to waiters in order', async () => {
    const slots = new Slots(2);
    await slots.acquire();
    await slots.acquire();
    expect(slots.free).toBe(0);
    const order: number[] = [];
    const a = slots.acquire().then(() => order.push(1));
    const b = slots.acquire().then(() => order.push(2));
    slots.release();
    await a;
    expect(order).toEqual([1]);
    slots.release();
    await b;
    expect(order).toEqual([1, 2]);
    expect(slots.inUse).toBe(2);
  });

  it('waitForFree does not keep the slot', async () => {
    const slots = new Slots(1);
    await slots.acquire();
    const w = slots.waitForFree();
    slots.release();
    await w;
    expect(slots.free).toBe(1);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new Slots(0)).toThrow(RangeError);
  });
});
