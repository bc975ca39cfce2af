package cluster

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

var (
	before = metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	now    = metav1.NewTime(time.Date(2026, 12, 6, 19, 0, 0, 0, time.UTC))
)

func cond(typ string, status metav1.ConditionStatus, reason string, generation int64, at metav1.Time) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason, ObservedGeneration: generation, LastTransitionTime: at}
}

func TestMergeConditions(t *testing.T) {
	for _, tc := range []struct {
		name       string
		have, want []metav1.Condition
		out        []metav1.Condition
	}{{
		name: "new conditions get the time of the write",
		want: []metav1.Condition{cond("Accepted", "True", "Accepted", 1, metav1.Time{})},
		out:  []metav1.Condition{cond("Accepted", "True", "Accepted", 1, now)},
	}, {
		name: "an unchanged status keeps its time, whatever else changed",
		have: []metav1.Condition{cond("Accepted", "True", "Accepted", 1, before)},
		want: []metav1.Condition{cond("Accepted", "True", "Accepted", 2, metav1.Time{})},
		out:  []metav1.Condition{cond("Accepted", "True", "Accepted", 2, before)},
	}, {
		name: "a changed status gets the time of the write",
		have: []metav1.Condition{cond("Accepted", "True", "Accepted", 1, before), cond("ResolvedRefs", "True", "ResolvedRefs", 1, before)},
		want: []metav1.Condition{cond("Accepted", "True", "Accepted", 2, metav1.Time{}), cond("ResolvedRefs", "False", "BackendNotFound", 2, metav1.Time{})},
		out:  []metav1.Condition{cond("Accepted", "True", "Accepted", 2, before), cond("ResolvedRefs", "False", "BackendNotFound", 2, now)},
	}, {
		name: "conditions no longer computed go",
		have: []metav1.Condition{cond("Accepted", "True", "Accepted", 1, before), cond("Custom", "True", "X", 1, before)},
		want: []metav1.Condition{cond("Accepted", "True", "Accepted", 1, metav1.Time{})},
		out:  []metav1.Condition{cond("Accepted", "True", "Accepted", 1, before)},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			out := mergeConditions(tc.have, tc.want, now)
			assert.Equal(t, tc.out, out)
			assert.True(t, sameConditions(out, tc.want), "the same but for the times")
		})
	}
}

func TestRouteParentsLeaveOtherControllersAlone(t *testing.T) {
	const mine, theirs = "example.com/mine", "example.com/theirs"
	parent := func(name, controller string, status metav1.ConditionStatus, at metav1.Time) gatewayv1.RouteParentStatus {
		return gatewayv1.RouteParentStatus{ParentRef: gatewayv1.ParentReference{Name: gatewayv1.ObjectName(name)}, ControllerName: gatewayv1.GatewayController(controller),
			Conditions: []metav1.Condition{cond("Accepted", status, "R", 1, at)}}
	}
	for _, tc := range []struct {
		name       string
		have, want []gatewayv1.RouteParentStatus
		out        []gatewayv1.RouteParentStatus
	}{{
		name: "ours added after theirs",
		have: []gatewayv1.RouteParentStatus{parent("a", theirs, "True", before)},
		want: []gatewayv1.RouteParentStatus{parent("b", mine, "True", metav1.Time{})},
		out:  []gatewayv1.RouteParentStatus{parent("a", theirs, "True", before), parent("b", mine, "True", now)},
	}, {
		name: "ours updated in place, keeping the time of an unchanged status",
		have: []gatewayv1.RouteParentStatus{parent("b", mine, "True", before), parent("a", theirs, "False", before)},
		want: []gatewayv1.RouteParentStatus{parent("b", mine, "True", metav1.Time{})},
		out:  []gatewayv1.RouteParentStatus{parent("b", mine, "True", before), parent("a", theirs, "False", before)},
	}, {
		name: "ours for a parent no longer served removed, theirs for the same parent kept",
		have: []gatewayv1.RouteParentStatus{parent("a", mine, "True", before), parent("a", theirs, "True", before)},
		want: nil,
		out:  []gatewayv1.RouteParentStatus{parent("a", theirs, "True", before)},
	}, {
		name: "none of ours, nothing to write",
		have: []gatewayv1.RouteParentStatus{parent("a", theirs, "True", before)},
		out:  []gatewayv1.RouteParentStatus{parent("a", theirs, "True", before)},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			out := routeParents(tc.have, tc.want, mine, now)
			assert.Equal(t, tc.out, out)
		})
	}
}

func TestSameGatewayStatusIgnoresOnlyTimes(t *testing.T) {
	ip := gatewayv1.IPAddressType
	base := gatewayv1.GatewayStatus{
		Addresses:  []gatewayv1.GatewayStatusAddress{{Type: &ip, Value: "192.0.2.1"}},
		Conditions: []metav1.Condition{cond("Programmed", "True", "Programmed", 1, before)},
		Listeners: []gatewayv1.ListenerStatus{{Name: "http", AttachedRoutes: 1,
			Conditions: []metav1.Condition{cond("Accepted", "True", "Accepted", 1, before)}}},
	}
	for _, tc := range []struct {
		name   string
		change func(*gatewayv1.GatewayStatus)
		same   bool
	}{
		{"identical", func(*gatewayv1.GatewayStatus) {}, true},
		{"times differ", func(s *gatewayv1.GatewayStatus) {
			s.Conditions[0].LastTransitionTime = now
			s.Listeners[0].Conditions[0].LastTransitionTime = now
		}, true},
		{"attached routes", func(s *gatewayv1.GatewayStatus) { s.Listeners[0].AttachedRoutes = 2 }, false},
		{"listener condition", func(s *gatewayv1.GatewayStatus) { s.Listeners[0].Conditions[0].Status = "False" }, false},
		{"observed generation", func(s *gatewayv1.GatewayStatus) { s.Conditions[0].ObservedGeneration = 2 }, false},
		{"address", func(s *gatewayv1.GatewayStatus) { s.Addresses[0].Value = "192.0.2.2" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := *base.DeepCopy()
			tc.change(&other)
			assert.Equal(t, tc.same, sameGatewayStatus(base, other))
		})
	}
}
