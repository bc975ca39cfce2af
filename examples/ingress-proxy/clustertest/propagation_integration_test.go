//go:build integration

package clustertest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BenchmarkPropagation measures, with two replicas watching one apiserver
// that holds n Ingresses, the time from an Ingress edit written through the
// API (one Ingress's rule sent to the other Service) to the first request
// answered by the new Service's backend, on each replica and on both. Each
// iteration is one edit of another Ingress; -benchtime 200x gives 200
// samples, enough for a p99.
func BenchmarkPropagation(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("ingresses=%d", n), func(b *testing.B) {
			c := newCluster(b, "echo-a", "echo-b")
			c.addService(b, "cart", "echo-a")
			c.addService(b, "catalog", "echo-b")
			start := time.Now()
			createBenchIngresses(b, c, n)
			b.Logf("created %d Ingresses in %v", n, time.Since(start).Round(time.Millisecond))
			start = time.Now()
			replicas := []*replica{c.startReplica(b, "replica-1"), c.startReplica(b, "replica-2")}
			eventually(b, 5*time.Minute, "the last Ingress on both", func() error {
				return onBoth(replicas, func(r *replica) error { return r.routesTo(benchHost(n-1), "/", "echo-a") })
			})
			b.Logf("both replicas ready and serving all %d Ingresses %v after start", n, time.Since(start).Round(time.Millisecond))
			// The leader's first status writes (n of them, at the program's
			// client rate limit) would compete with the edits: measure the
			// steady state after them.
			start = time.Now()
			eventually(b, 15*time.Minute, "status of every Ingress", func() error { return allStatusWritten(b, c, n) })
			b.Logf("status of all %d Ingresses written %v later", n, time.Since(start).Round(time.Millisecond))
			b.Run("edit", func(b *testing.B) { benchmarkEdits(b, c, replicas, n) })
		})
	}
}

func benchHost(i int) string { return fmt.Sprintf("h%05d.bench.example.test", i) }

func benchIngressName(i int) string { return fmt.Sprintf("bench-%05d", i) }

// createBenchIngresses creates n Ingresses, one host each, all to Service
// cart, from a few concurrent writers.
func createBenchIngresses(b *testing.B, c *cluster, n int) {
	b.Helper()
	const writers = 16
	ingresses := c.cp.Admin.NetworkingV1().Ingresses(appNamespace)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += writers {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				_, err := ingresses.Create(ctx, c.ingress(benchIngressName(i), benchHost(i), "/", "cart"), metav1.CreateOptions{})
				cancel()
				if err != nil {
					errs <- fmt.Errorf("creating Ingress %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// benchmarkEdits makes b.N edits, each sending another Ingress's rule from
// one Service to the other, and reports the propagation's median and p99
// per replica and on both.
func benchmarkEdits(b *testing.B, c *cluster, replicas []*replica, n int) {
	ingresses := c.cp.Admin.NetworkingV1().Ingresses(appNamespace)
	perReplica := make([][]time.Duration, len(replicas))
	var both []time.Duration
	// Where each Ingress sends its requests: all start at cart (echo-a).
	onCatalog := make([]bool, n)
	for i := 0; b.Loop(); i++ {
		k := (i * 7919) % n // spread the edits over the table
		b.StopTimer()
		ing, err := ingresses.Get(apiContext(b), benchIngressName(k), metav1.GetOptions{})
		if err != nil {
			b.Fatal(err)
		}
		service, echo := "catalog", "echo-b"
		if onCatalog[k] {
			service, echo = "cart", "echo-a"
		}
		onCatalog[k] = !onCatalog[k]
		ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name = service
		path := fmt.Sprintf("/edit-%d", i)
		b.StartTimer()

		written := time.Now()
		if _, err := ingresses.Update(apiContext(b), ing, metav1.UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
		took := make([]time.Duration, len(replicas))
		errs := make([]error, len(replicas))
		var wg sync.WaitGroup
		for j, r := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				took[j], errs[j] = firstServed(r, benchHost(k), path, echo, written)
			}()
		}
		wg.Wait()
		for j, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
			perReplica[j] = append(perReplica[j], took[j])
		}
		both = append(both, slices.Max(took))
	}
	report := func(samples []time.Duration, unit string) (p50, p99 time.Duration) {
		p50, p99 = percentile(samples, 50), percentile(samples, 99)
		b.ReportMetric(float64(p50)/float64(time.Millisecond), "ms-p50-"+unit)
		b.ReportMetric(float64(p99)/float64(time.Millisecond), "ms-p99-"+unit)
		return p50, p99
	}
	p50, p99 := report(both, "both")
	b.Logf("%d Ingresses, %d edits: API write to first request served on both replicas: median %v, p99 %v, max %v",
		n, len(both), p50.Round(time.Microsecond), p99.Round(time.Microsecond), slices.Max(both).Round(time.Microsecond))
	for j, r := range replicas {
		p50, p99 := report(perReplica[j], r.name)
		b.Logf("  %s alone: median %v, p99 %v", r.name, p50.Round(time.Microsecond), p99.Round(time.Microsecond))
	}
}

// firstServed asks the replica for host and path every millisecond until the
// request is answered by the echo backend want, and returns the time since
// written.
func firstServed(r *replica, host, path, want string, written time.Time) (time.Duration, error) {
	deadline := written.Add(2 * time.Minute)
	for {
		err := r.routesTo(host, path, want)
		if err == nil {
			return time.Since(written), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("edit not served within 2m: %w", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// percentile returns the p-th percentile of samples (nearest rank).
func percentile(samples []time.Duration, p int) time.Duration {
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}

// allStatusWritten returns nil once all n bench Ingresses have the published
// address in their status.
func allStatusWritten(b *testing.B, c *cluster, n int) error {
	list, err := c.cp.Admin.NetworkingV1().Ingresses(appNamespace).List(apiContext(b), metav1.ListOptions{})
	if err != nil {
		return err
	}
	var written int
	for _, ing := range list.Items {
		if lb := ing.Status.LoadBalancer.Ingress; len(lb) == 1 && lb[0].IP == statusAddress {
			written++
		}
	}
	if written < n {
		return fmt.Errorf("%d of %d Ingresses have their status", written, n)
	}
	return nil
}
