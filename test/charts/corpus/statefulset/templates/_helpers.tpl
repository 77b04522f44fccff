{{- define "statefulset.fullname" -}}
{{- printf "%s-kv" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "statefulset.labels" -}}
app.kubernetes.io/name: kv
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: primary
{{- end }}
