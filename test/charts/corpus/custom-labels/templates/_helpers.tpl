{{- define "custom-labels.labels" -}}
app: {{ .Release.Name }}-web
chart: {{ .Chart.Name }}-{{ .Chart.Version }}
release: {{ .Release.Name }}
heritage: {{ .Release.Service }}
{{- end }}
