package manifest

// The subset of the Kubernetes API that dbintel's manifests use. Decoding
// is strict, so a misspelt or misplaced field (readinessprobe, a port under
// the wrong key) fails here instead of being dropped by the API server.
// Field names follow k8s.io/api; adding that module would cost more than
// these few structs.

// Meta is ObjectMeta.
type Meta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// Header is what every object starts with.
type Header struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   Meta   `yaml:"metadata"`
}

// Namespace is core/v1 Namespace.
type Namespace struct {
	Header `yaml:",inline"`
}

// Secret is core/v1 Secret.
type Secret struct {
	Header     `yaml:",inline"`
	Type       string            `yaml:"type"`
	StringData map[string]string `yaml:"stringData"`
	Data       map[string]string `yaml:"data"`
}

// Service is core/v1 Service.
type Service struct {
	Header `yaml:",inline"`
	Spec   struct {
		Type                     string            `yaml:"type"`
		ClusterIP                string            `yaml:"clusterIP"`
		PublishNotReadyAddresses bool              `yaml:"publishNotReadyAddresses"`
		Selector                 map[string]string `yaml:"selector"`
		Ports                    []ServicePort     `yaml:"ports"`
	} `yaml:"spec"`
}

// ServicePort is core/v1 ServicePort; TargetPort is a number or a name.
type ServicePort struct {
	Name        string `yaml:"name"`
	Port        int    `yaml:"port"`
	TargetPort  string `yaml:"targetPort"`
	Protocol    string `yaml:"protocol"`
	AppProtocol string `yaml:"appProtocol"`
}

// LabelSelector is meta/v1 LabelSelector (matchLabels only).
type LabelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

// PodDisruptionBudget is policy/v1 PodDisruptionBudget.
type PodDisruptionBudget struct {
	Header `yaml:",inline"`
	Spec   struct {
		Selector       LabelSelector `yaml:"selector"`
		MaxUnavailable string        `yaml:"maxUnavailable"`
		MinAvailable   string        `yaml:"minAvailable"`
	} `yaml:"spec"`
}

// StatefulSet is apps/v1 StatefulSet.
type StatefulSet struct {
	Header `yaml:",inline"`
	Spec   struct {
		ServiceName         string        `yaml:"serviceName"`
		Replicas            int           `yaml:"replicas"`
		PodManagementPolicy string        `yaml:"podManagementPolicy"`
		Selector            LabelSelector `yaml:"selector"`
		UpdateStrategy      struct {
			Type string `yaml:"type"`
		} `yaml:"updateStrategy"`
		Template             PodTemplate `yaml:"template"`
		VolumeClaimTemplates []struct {
			Metadata Meta `yaml:"metadata"`
			Spec     struct {
				AccessModes      []string  `yaml:"accessModes"`
				StorageClassName *string   `yaml:"storageClassName"`
				Resources        Resources `yaml:"resources"`
			} `yaml:"spec"`
		} `yaml:"volumeClaimTemplates"`
	} `yaml:"spec"`
}

// Deployment is apps/v1 Deployment.
type Deployment struct {
	Header `yaml:",inline"`
	Spec   struct {
		Replicas int           `yaml:"replicas"`
		Selector LabelSelector `yaml:"selector"`
		Strategy struct {
			Type string `yaml:"type"`
		} `yaml:"strategy"`
		Template PodTemplate `yaml:"template"`
	} `yaml:"spec"`
}

// PodTemplate is core/v1 PodTemplateSpec.
type PodTemplate struct {
	Metadata Meta `yaml:"metadata"`
	Spec     struct {
		TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
		AutomountServiceAccountToken  *bool       `yaml:"automountServiceAccountToken"`
		SecurityContext               PodSecurity `yaml:"securityContext"`
		Containers                    []Container `yaml:"containers"`
		Volumes                       []Volume    `yaml:"volumes"`
	} `yaml:"spec"`
}

// PodSecurity is core/v1 PodSecurityContext.
type PodSecurity struct {
	RunAsNonRoot   bool `yaml:"runAsNonRoot"`
	RunAsUser      int  `yaml:"runAsUser"`
	RunAsGroup     int  `yaml:"runAsGroup"`
	FSGroup        int  `yaml:"fsGroup"`
	SeccompProfile struct {
		Type string `yaml:"type"`
	} `yaml:"seccompProfile"`
}

// Container is core/v1 Container.
type Container struct {
	Name            string   `yaml:"name"`
	Image           string   `yaml:"image"`
	ImagePullPolicy string   `yaml:"imagePullPolicy"`
	Args            []string `yaml:"args"`
	Env             []EnvVar `yaml:"env"`
	Ports           []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
		Protocol      string `yaml:"protocol"`
	} `yaml:"ports"`
	LivenessProbe   *Probe    `yaml:"livenessProbe"`
	ReadinessProbe  *Probe    `yaml:"readinessProbe"`
	StartupProbe    *Probe    `yaml:"startupProbe"`
	Resources       Resources `yaml:"resources"`
	SecurityContext struct {
		RunAsNonRoot             bool `yaml:"runAsNonRoot"`
		RunAsUser                int  `yaml:"runAsUser"`
		ReadOnlyRootFilesystem   bool `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation bool `yaml:"allowPrivilegeEscalation"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

// EnvVar is core/v1 EnvVar (value, a Secret key or a pod field).
type EnvVar struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef *struct {
			Name     string `yaml:"name"`
			Key      string `yaml:"key"`
			Optional bool   `yaml:"optional"`
		} `yaml:"secretKeyRef"`
		FieldRef *struct {
			FieldPath string `yaml:"fieldPath"`
		} `yaml:"fieldRef"`
	} `yaml:"valueFrom"`
}

// Probe is core/v1 Probe with an HTTP GET.
type Probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
	InitialDelaySeconds int `yaml:"initialDelaySeconds"`
	PeriodSeconds       int `yaml:"periodSeconds"`
	TimeoutSeconds      int `yaml:"timeoutSeconds"`
	FailureThreshold    int `yaml:"failureThreshold"`
}

// Resources is core/v1 ResourceRequirements.
type Resources struct {
	Requests map[string]string `yaml:"requests"`
	Limits   map[string]string `yaml:"limits"`
}

// Volume is core/v1 Volume (the sources dbintel uses).
type Volume struct {
	Name      string `yaml:"name"`
	ConfigMap *struct {
		Name string `yaml:"name"`
	} `yaml:"configMap"`
	Secret *struct {
		SecretName string `yaml:"secretName"`
	} `yaml:"secret"`
	EmptyDir *struct {
		SizeLimit string `yaml:"sizeLimit"`
		Medium    string `yaml:"medium"`
	} `yaml:"emptyDir"`
	PersistentVolumeClaim *struct {
		ClaimName string `yaml:"claimName"`
	} `yaml:"persistentVolumeClaim"`
}
