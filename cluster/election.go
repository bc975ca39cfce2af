package cluster

import (
	"context"
	"errors"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Election configures the leader election on a coordination.k8s.io Lease
// that picks the one replica writing status, of Ingresses and Gateway API
// objects. The zero value means the Lease "ingressmux-leader" in "default"
// with the timings below: a crashed leader is replaced within
// LeaseDuration plus RetryPeriod (17 s).
type Election struct {
	// Namespace and Name locate the Lease. Empty means DefaultElectionNamespace
	// and DefaultElectionName.
	Namespace, Name string
	// Identity is this replica's name in the Lease. Empty means the
	// POD_NAME environment variable (set it from the downward API), else
	// the host name and process id.
	Identity string
	// LeaseDuration is how long a Lease not renewed stays with its holder;
	// RenewDeadline how long the leader keeps trying to renew before it
	// gives up; RetryPeriod how often everyone tries. Zero means 15 s,
	// 10 s and 2 s, as Kubernetes' own controllers use.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Changed, when not nil, is called with true when this replica takes
	// the Lease and with false when it loses it (for a leader metric, say).
	Changed func(leading bool)
}

// Defaults of Election.
const (
	DefaultElectionNamespace = "default"
	DefaultElectionName      = "ingressmux-leader"
	DefaultLeaseDuration     = 15 * time.Second
	DefaultRenewDeadline     = 10 * time.Second
	DefaultRetryPeriod       = 2 * time.Second
)

func (e Election) withDefaults() Election {
	if e.Namespace == "" {
		e.Namespace = DefaultElectionNamespace
	}
	if e.Name == "" {
		e.Name = DefaultElectionName
	}
	if e.LeaseDuration <= 0 {
		e.LeaseDuration = DefaultLeaseDuration
	}
	if e.RenewDeadline <= 0 {
		e.RenewDeadline = DefaultRenewDeadline
	}
	if e.RetryPeriod <= 0 {
		e.RetryPeriod = DefaultRetryPeriod
	}
	return e
}

func (e Election) check() error {
	e = e.withDefaults()
	if e.LeaseDuration <= e.RenewDeadline || e.RenewDeadline <= e.RetryPeriod {
		return errors.New("cluster: Election wants LeaseDuration > RenewDeadline > RetryPeriod")
	}
	return nil
}

func (e Election) identity() string {
	switch {
	case e.Identity != "":
		return e.Identity
	case os.Getenv("POD_NAME") != "":
		return os.Getenv("POD_NAME")
	}
	return hostIdentity()
}

// elect takes part in the election until ctx is done. Losing the Lease
// (the apiserver unreachable for RenewDeadline, say) only stops the status
// writes: the replica keeps serving and stands again.
func (s *Source) elect(ctx context.Context) {
	e := s.cfg.Election.withDefaults()
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: e.Namespace, Name: e.Name},
		Client:     s.cfg.Client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: s.identity},
	}
	for ctx.Err() == nil {
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:          lock,
			LeaseDuration: e.LeaseDuration,
			RenewDeadline: e.RenewDeadline,
			RetryPeriod:   e.RetryPeriod,
			// Status writes are idempotent and cheap to repeat, so the
			// Lease can be handed over at once on shutdown.
			ReleaseOnCancel: true,
			Name:            e.Namespace + "/" + e.Name,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(context.Context) {
					s.leader.Store(true)
					if e.Changed != nil {
						e.Changed(true)
					}
					s.logger.Info("cluster: leading; writing status", "lease", e.Namespace+"/"+e.Name, "identity", s.identity)
					s.statusChanged()
				},
				OnStoppedLeading: func() {
					if s.leader.Swap(false) {
						if e.Changed != nil {
							e.Changed(false)
						}
						s.logger.Warn("cluster: lost the lease; still serving, no longer writing status", "lease", e.Namespace+"/"+e.Name)
					}
				},
				OnNewLeader: func(identity string) {
					if identity != s.identity {
						s.logger.Info("cluster: leader elected", "leader", identity)
					}
				},
			},
		})
		if err != nil { // the timings were checked in New
			s.logger.Error("cluster: leader election", "err", err)
			return
		}
		le.Run(ctx)
	}
}
