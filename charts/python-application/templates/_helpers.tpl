{{/*
The page http.server serves. Edit it here: the Deployment carries its checksum, so a
changed page rolls the pods on the next `helm upgrade`.
*/}}
{{- define "pythonApp.indexHtml" -}}
<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>BasicKapp</title>
  </head>
  <body>
    <h1>Python fantasy!</h1>
    <p>Served by Python's http.server on Amazon EKS.</p>
  </body>
</html>
{{ end -}}

{{/* <name>-<kind>: the name of each resource of the chart. */}}
{{- define "pythonApp.resourceName" -}}
{{- printf "%s-%s" .root.Values.pythonApp.name .kind -}}
{{- end -}}

{{/* Where every resource goes: the namespace value, else the release namespace. */}}
{{- define "pythonApp.namespace" -}}
{{- default .Release.Namespace .Values.namespace -}}
{{- end -}}

{{/* The pods' identity: the Deployment's selector and the Service's. Never change these
on an installed release: a Deployment's selector is immutable. */}}
{{- define "pythonApp.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.pythonApp.name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The image tag as a label value: at most 63 characters, starting and ending with an
alphanumeric. */}}
{{- define "pythonApp.versionLabel" -}}
{{- .Values.pythonApp.tag | trunc 63 | trimAll "-._" -}}
{{- end -}}

{{/* Labels every object of the release carries, besides its name and component. */}}
{{- define "pythonApp.commonLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "pythonApp.versionLabel" . | quote }}
app.kubernetes.io/part-of: basickapp
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "pythonApp.labels" -}}
app.kubernetes.io/name: {{ .Values.pythonApp.name }}
app.kubernetes.io/component: web
{{ include "pythonApp.commonLabels" . }}
{{- end -}}

{{- define "pythonApp.image" -}}
{{- printf "%s:%s" .Values.pythonApp.image .Values.pythonApp.tag -}}
{{- end -}}

{{/* Shared by the server and the test pod: the user the image runs as (image/Dockerfile). */}}
{{- define "pythonApp.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "pythonApp.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
{{- end -}}
