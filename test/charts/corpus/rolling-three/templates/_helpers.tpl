{{- define "rolling-three.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "rolling-three.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rolling-three.fullname" . }}
{{- end }}
