{{/*
Chart name (app.kubernetes.io/name).
*/}}
{{- define "apiary.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Resource-name prefix: <release>-apiary, or <release> when it already contains the chart name.
Truncated so that "<prefix>-orchestrator-brain" still fits in 63 characters.
*/}}
{{- define "apiary.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 44 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 44 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 44 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "apiary.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The seven apps, in start-up order. Each one is `node dist/apps/<app>/main.js` in the image.
*/}}
{{- define "apiary.appNames" -}}
gateway orchestrator-brain task-router memory self-improvement scaler bot-runtime
{{- end }}

{{/*
Name of one app's resources. Args: dict "root" $ "app" <app>.
*/}}
{{- define "apiary.appFullname" -}}
{{- printf "%s-%s" (include "apiary.fullname" .root) .app | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels shared by every resource of the release (Kubernetes recommended labels).
*/}}
{{- define "apiary.commonLabels" -}}
helm.sh/chart: {{ include "apiary.chart" . }}
app.kubernetes.io/name: {{ include "apiary.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/part-of: apiary
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels of one app's resources. Args: dict "root" $ "app" <app>.
*/}}
{{- define "apiary.labels" -}}
{{ include "apiary.commonLabels" .root }}
app.kubernetes.io/component: {{ .app }}
{{- end }}

{{/*
Selector labels of one app. Args: dict "root" $ "app" <app>.
*/}}
{{- define "apiary.selectorLabels" -}}
app.kubernetes.io/name: {{ include "apiary.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .app }}
{{- end }}

{{/*
Recursive merge of two maps, returned as YAML. Keys of "override" win, nested maps merge key by
key, lists and scalars replace. Unlike sprig's merge/mergeOverwrite, an override of false, 0 or
"" is kept (so apps.<app>.autoscaling.enabled: false works).
Args: dict "base" <map> "override" <map>.
*/}}
{{- define "apiary.deepMerge" -}}
{{- $base := .base | default dict }}
{{- $out := deepCopy $base }}
{{- range $k, $v := (.override | default dict) }}
{{- $b := index $base $k }}
{{- if and (kindIs "map" $v) (kindIs "map" $b) }}
{{- $_ := set $out $k (include "apiary.deepMerge" (dict "base" $b "override" $v) | fromYaml) }}
{{- else }}
{{- $_ := set $out $k $v }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
Effective settings of one app: .Values.defaults overridden by .Values.apps.<app>, as YAML
(use with fromYaml). Args: dict "root" $ "app" <app>.
*/}}
{{- define "apiary.appConfig" -}}
{{- $over := index (.root.Values.apps | default dict) .app | default dict }}
{{- include "apiary.deepMerge" (dict "base" .root.Values.defaults "override" $over) }}
{{- end }}

{{/*
True ("true") when the app is the gateway, the only app with a public HTTP API.
*/}}
{{- define "apiary.isGateway" -}}
{{- if eq .app "gateway" }}true{{ end }}
{{- end }}

{{/*
Port one app listens on for probes: the gateway's HTTP port, or the shared probe port.
Args: dict "root" $ "app" <app>.
*/}}
{{- define "apiary.appPort" -}}
{{- if eq .app "gateway" }}{{ .root.Values.gatewayPort }}{{ else }}{{ .root.Values.probePort }}{{ end }}
{{- end }}

{{- define "apiary.appPortName" -}}
{{- if eq .app "gateway" }}http{{ else }}probe{{ end }}
{{- end }}

{{/*
Image reference.
*/}}
{{- define "apiary.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}
{{- end }}

{{/*
Secret the chart creates for DATABASE_URL and APIARY_API_KEYS.
*/}}
{{- define "apiary.secretName" -}}
{{- include "apiary.fullname" . }}
{{- end }}

{{/*
True when the chart has to create its own Secret.
*/}}
{{- define "apiary.createSecret" -}}
{{- $gw := include "apiary.appConfig" (dict "root" . "app" "gateway") | fromYaml }}
{{- if or (not .Values.postgresql.existingSecret) (and $gw.enabled (not .Values.apiKeys.existingSecret)) }}true{{ end }}
{{- end }}

{{/*
ServiceAccount of every app except the scaler.
*/}}
{{- define "apiary.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- .Values.serviceAccount.name | default (include "apiary.fullname" .) }}
{{- else }}
{{- .Values.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}

{{/*
ServiceAccount of the scaler: its own (bound to the scaling Role) when rbac.scaler.create, or
rbac.scaler.serviceAccountName when given, else the shared one.
*/}}
{{- define "apiary.scalerServiceAccountName" -}}
{{- if .Values.rbac.scaler.create }}
{{- .Values.rbac.scaler.serviceAccountName | default (printf "%s-scaler" (include "apiary.fullname" .)) }}
{{- else if .Values.rbac.scaler.serviceAccountName }}
{{- .Values.rbac.scaler.serviceAccountName }}
{{- else }}
{{- include "apiary.serviceAccountName" . }}
{{- end }}
{{- end }}

{{/*
One HTTP probe. Args: dict "probe" <probe settings> "path" <default path> "port" <port name>.
*/}}
{{- define "apiary.httpProbe" -}}
httpGet:
  path: {{ .probe.path | default .path }}
  port: {{ .port }}
{{- with .probe.initialDelaySeconds }}
initialDelaySeconds: {{ . }}
{{- end }}
periodSeconds: {{ .probe.periodSeconds | default 10 }}
timeoutSeconds: {{ .probe.timeoutSeconds | default 1 }}
failureThreshold: {{ .probe.failureThreshold | default 3 }}
{{- if .successThreshold }}
successThreshold: {{ .successThreshold }}
{{- end }}
{{- end }}

{{/*
Fail early, with a clear message, on settings the schema cannot express.
*/}}
{{- define "apiary.validate" -}}
{{- if not (or .Values.postgresql.url .Values.postgresql.existingSecret) }}
{{- fail "postgresql.url or postgresql.existingSecret is required (DATABASE_URL)" }}
{{- end }}
{{- if not (or .Values.nats.url .Values.nats.existingSecret) }}
{{- fail "nats.url or nats.existingSecret is required (NATS_URL)" }}
{{- end }}
{{- range $app := include "apiary.appNames" $ | splitList " " }}
{{- $cfg := include "apiary.appConfig" (dict "root" $ "app" $app) | fromYaml }}
{{- if and $cfg.enabled $cfg.autoscaling.enabled }}
{{- if gt (int $cfg.autoscaling.minReplicas) (int $cfg.autoscaling.maxReplicas) }}
{{- fail (printf "apps.%s.autoscaling: minReplicas (%v) is greater than maxReplicas (%v)" $app $cfg.autoscaling.minReplicas $cfg.autoscaling.maxReplicas) }}
{{- end }}
{{- end }}
{{- end }}
{{- $br := include "apiary.appConfig" (dict "root" . "app" "bot-runtime") | fromYaml }}
{{- if and (eq .Values.scaler.driver "kubernetes") $br.enabled $br.autoscaling.enabled }}
{{- fail "scaler.driver kubernetes scales bot-runtime itself: set apps.bot-runtime.autoscaling.enabled=false (an HPA on the same Deployment would fight it)" }}
{{- end }}
{{- if and (eq .Values.scaler.driver "kubernetes") (not .Values.rbac.scaler.create) (not .Values.rbac.scaler.serviceAccountName) }}
{{- fail "scaler.driver kubernetes needs rbac.scaler.create=true (or rbac.scaler.serviceAccountName of an account allowed to patch deployments/scale)" }}
{{- end }}
{{- $s := include "apiary.scalerSettings" . | fromYaml }}
{{- if gt (int $s.minReplicas) (int $s.maxReplicas) }}
{{- fail (printf "scaler: minReplicas (%v) is greater than maxReplicas (%v)" $s.minReplicas $s.maxReplicas) }}
{{- end }}
{{- $gw := include "apiary.appConfig" (dict "root" . "app" "gateway") | fromYaml }}
{{- if and .Values.ingress.enabled (not (and $gw.enabled $gw.service.enabled)) }}
{{- fail "ingress.enabled needs the gateway and its Service (apps.gateway.enabled, apps.gateway.service.enabled)" }}
{{- end }}
{{- end }}

{{/*
Settings of the scaler's bot-runtime pool: driver, policy, replica bounds (from bot-runtime's
autoscaling values), Deployment to scale. As YAML (use with fromYaml).
*/}}
{{- define "apiary.scalerSettings" -}}
{{- $br := include "apiary.appConfig" (dict "root" . "app" "bot-runtime") | fromYaml }}
driver: {{ .Values.scaler.driver }}
policy: {{ .Values.scaler.policy }}
minReplicas: {{ .Values.scaler.minReplicas | default $br.autoscaling.minReplicas }}
maxReplicas: {{ .Values.scaler.maxReplicas | default $br.autoscaling.maxReplicas }}
deployment: {{ include "apiary.appFullname" (dict "root" . "app" "bot-runtime") }}
metricsPort: {{ .Values.scaler.metricsPort }}
{{- end }}

{{/*
Data of one app's ConfigMap: what the chart computes for it, then apps.<app>.config.
Args: dict "root" $ "app" <app>.
*/}}
{{- define "apiary.appConfigData" -}}
{{- $cfg := include "apiary.appConfig" . | fromYaml }}
{{- $data := dict }}
{{- if eq .app "scaler" }}
{{- $s := include "apiary.scalerSettings" .root | fromYaml }}
{{- $_ := set $data "APIARY_SCALER_DRIVER" $s.driver }}
{{- $_ := set $data "APIARY_SCALER_POLICY" $s.policy }}
{{- $_ := set $data "APIARY_SCALER_MIN_REPLICAS" (toString $s.minReplicas) }}
{{- $_ := set $data "APIARY_SCALER_MAX_REPLICAS" (toString $s.maxReplicas) }}
{{- $_ := set $data "APIARY_SCALER_K8S_DEPLOYMENT" $s.deployment }}
{{- $_ := set $data "APIARY_SCALER_METRICS_PORT" (toString $s.metricsPort) }}
{{- $_ := set $data "APIARY_SCALER_COOLDOWN_S" (toString .root.Values.scaler.cooldownSeconds) }}
{{- $_ := set $data "APIARY_SCALER_EVALUATION_S" (toString .root.Values.scaler.evaluationSeconds) }}
{{- $_ := set $data "APIARY_SCALER_DRAIN_TARGET_S" (toString .root.Values.scaler.drainTargetSeconds) }}
{{- end }}
{{- if eq .app "bot-runtime" }}
{{- $_ := set $data "APIARY_REPLICA_HEARTBEAT_MS" (toString .root.Values.scaler.heartbeatMs) }}
{{- end }}
{{- range $k, $v := ($cfg.config | default dict) }}
{{- $_ := set $data $k (toString $v) }}
{{- end }}
{{- if $data }}
{{- range $k, $v := $data }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- else }}
{}
{{- end }}
{{- end }}

{{/*
True ("true") when bot-runtime's HPA also scales on the scaler's backlog metric.
*/}}
{{- define "apiary.backlogMetric" -}}
{{- if and (eq .Values.scaler.driver "hpa") .Values.scaler.hpa.enabled }}true{{ end }}
{{- end }}
