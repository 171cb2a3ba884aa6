import { describe, expect, it } from 'vitest';
import { classWeights, epochOrder, stepsPerEpoch } from './sampling.js';

describe('class imbalance', () => {
  const labels: (0 | 1)[] = [0, 1, 1, 1];

  it('weights classes so both contribute equally', () => {
    const [w0, w1] = classWeights(labels);
    expect(w0).toBeCloseTo(2);
    expect(w1).toBeCloseTo(4 / 6);
    expect(w0 * 1).toBeCloseTo(w1 * 3);
    expect(classWeights([1, 1])).toEqual([1, 1]);
  });

  it('balanced sampling draws both classes about equally, deterministically', () => {
    const many: (0 | 1)[] = Array.from({ length: 1000 }, (_, i) => (i < 100 ? 0 : 1));
    const order = epochOrder(many, 'balanced-sampling', 3, 0);
    expect(order).toHaveLength(1000);
    const negatives = order.filter((i) => many[i] === 0).length;
    expect(negatives).toBeGreaterThan(400);
    expect(negatives).toBeLessThan(600);
    expect(epochOrder(many, 'balanced-sampling', 3, 0)).toEqual(order);
  });

  it('shuffles a permutation per epoch, seeded', () => {
    const order = epochOrder(labels, 'weights', 1, 0);
    expect([...order].sort()).toEqual([0, 1, 2, 3]);
    expect(epochOrder(labels, 'weights', 1, 0)).toEqual(order);
    const others = [1, 2, 3, 4, 5].map((e) => epochOrder(labels, 'weights', 1, e).join());
    expect(new Set(others).size).toBeGreaterThan(1);
  });

  it('drops only an incomplete last batch', () => {
    expect(stepsPerEpoch(100, 32)).toBe(3);
    expect(stepsPerEpoch(5, 32)).toBe(1);
  });
});
