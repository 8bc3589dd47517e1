import { fitLine, leastSquaresSlope } from './trend';

describe('leastSquaresSlope', () => {
  it('is the slope of points on a line', () => {
    expect(leastSquaresSlope([{ x: 0, y: 10 }, { x: 5, y: 60 }, { x: 10, y: 110 }])).toBeCloseTo(10, 12);
  });

  it('fits noisy points by least squares (numpy.polyfit degree 1)', () => {
    // np.polyfit([0,1,2,3,4], [1,3,2,5,4], 1)[0] == 0.8
    const pts = [1, 3, 2, 5, 4].map((y, x) => ({ x, y }));
    expect(leastSquaresSlope(pts)).toBeCloseTo(0.8, 12);
  });

  it('uses real sample times, so irregular sampling does not bend the slope', () => {
    const pts = [0, 1, 7, 8, 20].map((x) => ({ x, y: 3 * x + 2 }));
    expect(leastSquaresSlope(pts)).toBeCloseTo(3, 12);
  });

  it('is negative for a draining backlog and zero for a flat one', () => {
    expect(leastSquaresSlope([{ x: 0, y: 100 }, { x: 10, y: 50 }])).toBeCloseTo(-5, 12);
    expect(leastSquaresSlope([{ x: 0, y: 7 }, { x: 1, y: 7 }, { x: 2, y: 7 }])).toBe(0);
  });

  it('is undefined with fewer than two points or a single time', () => {
    expect(leastSquaresSlope([])).toBeNull();
    expect(leastSquaresSlope([{ x: 1, y: 1 }])).toBeNull();
    expect(leastSquaresSlope([{ x: 2, y: 1 }, { x: 2, y: 5 }])).toBeNull();
  });

  it('tells a steady rise (R² near 1) from a single jump (R² 0.5)', () => {
    expect(fitLine([10, 21, 29, 41, 50].map((y, x) => ({ x, y })))!.r2).toBeGreaterThan(0.99);
    const jump = fitLine([5, 5, 5, 5, 2005].map((y, x) => ({ x, y })))!;
    expect(jump.slope).toBeCloseTo(400, 9);
    expect(jump.r2).toBeCloseTo(0.5, 9);
    expect(fitLine([7, 7, 7].map((y, x) => ({ x, y })))).toEqual({ slope: 0, r2: 1 });
  });
});
