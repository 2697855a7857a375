import { InvalidArgumentError } from 'commander';

/** An option parser for a whole number from `min` to `max`; commander reports a bad value as a usage error. */
export function integerFrom(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`It must be a whole number from ${min} to ${max}.`);
    return n;
  };
}
