import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/**
 * Refuses the property when any of `others` is given too (mutually exclusive
 * fields). Put it beside `@IsOptional()`: it only runs when the property is set.
 * @param others names of the properties it excludes
 * @param options class-validator options (message)
 */
export function NotWith(others: string[], options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'notWith',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: others,
      options: { message: `$property cannot be given with ${others.join(' or ')}`, ...options },
      validator: {
        validate(_value: unknown, args: ValidationArguments): boolean {
          const o = args.object as Record<string, unknown>;
          return others.every((k) => o[k] === undefined);
        },
      },
    });
}
