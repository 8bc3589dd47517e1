import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { NatsRpcClient, RPC_CLIENT } from '@apiary/service-kit';
import { API_KEY_ROUTE_ERRORS, ApiErrors, JSON_BODY_ERRORS } from '../openapi/api-docs.decorators';
import { ListServicesReplyDto, ServiceDeletedDto, ServiceViewDto } from '../openapi/routing-responses.dto';
import { ModuleNameParams, ServiceHealthBody } from './routing.dto';

/**
 * Seed 002 component 2 "Task Router": the service registry (`register_service`,
 * `update_service_health`). Each route makes one request to task-router.
 */
@Controller('services')
@ApiTags('routing')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class ServicesController {
  constructor(@Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient) {}

  /** `POST /services` → 201 the service (re-registering a name updates it). */
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register an AI service',
    description: 'Tasks of its capabilities are POSTed to `{endpoint}/process`. Re-registering a name updates it. Health is probed at `{endpoint}/health` unless disabled.',
  })
  @ApiCreatedResponse({ type: ServiceViewDto })
  @ApiErrors(...JSON_BODY_ERRORS)
  register(@Body() body: RegisterServiceRequest): Promise<ServiceView> {
    return this.rpc.request<ServiceView>(ROUTER_SERVICE_REGISTER, body);
  }

  /** `GET /services?capability=&status=`. */
  @Get()
  @ApiOperation({ summary: 'List registered services' })
  @ApiOkResponse({ type: ListServicesReplyDto })
  @ApiErrors('VALIDATION_FAILED')
  list(@Query() query: ListServicesRequest): Promise<ListServicesReply> {
    return this.rpc.request<ListServicesReply>(ROUTER_SERVICE_LIST, query);
  }

  /** `GET /services/{name}`. @throws 404 `SERVICE_NOT_FOUND` */
  @Get(':name')
  @ApiOperation({ summary: 'Get a service' })
  @ApiOkResponse({ type: ServiceViewDto })
  @ApiErrors('VALIDATION_FAILED', 'SERVICE_NOT_FOUND')
  get(@Param() params: ModuleNameParams): Promise<ServiceView> {
    return this.rpc.request<ServiceView>(ROUTER_SERVICE_GET, { service_name: params.name });
  }

  /** `PUT /services/{name}/health` `{ status }`. @throws 404 `SERVICE_NOT_FOUND` */
  @Put(':name/health')
  @ApiOperation({
    summary: 'Set a service\'s health by hand',
    description: 'Only healthy services are routed to (degraded ones when none is healthy). Active health checks may change it again.',
  })
  @ApiOkResponse({ type: ServiceViewDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'SERVICE_NOT_FOUND')
  setHealth(@Param() params: ModuleNameParams, @Body() body: ServiceHealthBody): Promise<ServiceView> {
    const request: SetServiceHealthRequest = { service_name: params.name, status: body.status };
    return this.rpc.request<ServiceView>(ROUTER_SERVICE_SET_HEALTH, request);
  }

  /** `DELETE /services/{name}`. @throws 404 `SERVICE_NOT_FOUND`, 409 `MODULE_HAS_DEPENDENTS` */
  @Delete(':name')
  @ApiOperation({ summary: 'Deregister a service' })
  @ApiOkResponse({ type: ServiceDeletedDto })
  @ApiErrors('VALIDATION_FAILED', 'SERVICE_NOT_FOUND', 'MODULE_HAS_DEPENDENTS')
  deregister(@Param() params: ModuleNameParams): Promise<{ service_name: string; deleted: true }> {
    return this.rpc.request(ROUTER_SERVICE_DEREGISTER, { service_name: params.name });
  }
}
