{{/* Chart name, overridable by nameOverride. */}}
{{- define "gochat-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's resources: fullnameOverride, else the release name when it already
contains the chart name, else "<release>-<chart>"; at most 63 characters (a DNS label).
*/}}
{{- define "gochat-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<chart>-<version>" for the helm.sh/chart label. */}}
{{- define "gochat-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the operator's pods (never change them on upgrade). */}}
{{- define "gochat-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gochat-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every resource of the chart. */}}
{{- define "gochat-operator.labels" -}}
helm.sh/chart: {{ include "gochat-operator.chart" . }}
{{ include "gochat-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: gochat
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "gochat-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gochat-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator image: repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "gochat-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* OTEL_RESOURCE_ATTRIBUTES from otel.resourceAttributes: "k=v,k2=v2", keys sorted. */}}
{{- define "gochat-operator.resourceAttributes" -}}
{{- $pairs := list }}
{{- range $key := keys .Values.otel.resourceAttributes | sortAlpha }}
{{- $pairs = append $pairs (printf "%s=%s" $key (toString (index $.Values.otel.resourceAttributes $key))) }}
{{- end }}
{{- join "," $pairs }}
{{- end }}
