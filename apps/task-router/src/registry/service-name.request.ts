import { IsDefined, IsString, MaxLength } from 'class-validator';

/**
 * `{ service_name }`: request of `apiary.router.services.get` and
 * `apiary.router.services.deregister`. The contract names the shape without a class;
 * this one lets the RPC validation pipe check it (a change of the contract would
 * move it to libs/contracts).
 */
export class ServiceNameRequest {
  @IsDefined() @IsString() @MaxLength(64)
  service_name!: string;
}
