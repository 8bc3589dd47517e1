import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ListServicesReply,
  ListServicesRequest,
  RegisterServiceRequest,
  ROUTER_SERVICE_DEREGISTER,
  ROUTER_SERVICE_GET,
  ROUTER_SERVICE_LIST,
  ROUTER_SERVICE_REGISTER,
  ROUTER_SERVICE_SET_HEALTH,
  ServiceView,
  SetServiceHealthRequest,
} from '@apiary/contracts';
import { ServiceNameRequest } from './service-name.request';
import { ServiceRegistry } from './service-registry';

/** NATS entry of the service registry (`apiary.router.services.*`). */
@Controller()
export class ServicesHandler {
  constructor(private readonly registry: ServiceRegistry) {}

  /** Register or update. @throws ApiaryError VALIDATION_FAILED, MODULE_DEPENDENCY_DISABLED */
  @MessagePattern(ROUTER_SERVICE_REGISTER)
  register(@Payload() req: RegisterServiceRequest): Promise<ServiceView> {
    return this.registry.register(req);
  }

  /** Services filtered by capability and status. */
  @MessagePattern(ROUTER_SERVICE_LIST)
  list(@Payload() req: ListServicesRequest): Promise<ListServicesReply> {
    return this.registry.list(req);
  }

  /** @throws ApiaryError SERVICE_NOT_FOUND */
  @MessagePattern(ROUTER_SERVICE_GET)
  get(@Payload() req: ServiceNameRequest): Promise<ServiceView> {
    return this.registry.get(req.service_name);
  }

  /** Manual health. @throws ApiaryError SERVICE_NOT_FOUND */
  @MessagePattern(ROUTER_SERVICE_SET_HEALTH)
  setHealth(@Payload() req: SetServiceHealthRequest): Promise<ServiceView> {
    return this.registry.setHealth(req);
  }

  /** @throws ApiaryError SERVICE_NOT_FOUND, MODULE_HAS_DEPENDENTS */
  @MessagePattern(ROUTER_SERVICE_DEREGISTER)
  deregister(@Payload() req: ServiceNameRequest): Promise<{ service_name: string; deleted: true }> {
    return this.registry.deregister(req.service_name);
  }
}
