package upload

import "sync/atomic"

// TopicStats counts the files one topic's rounds stored. Fields are safe to
// read concurrently.
type TopicStats struct {
	Files, Bytes atomic.Int64
}

// topic returns the topic's stats, made on first use.
func (s *Stage) topic(name string) *TopicStats {
	if t, ok := s.topics.Load(name); ok {
		return t.(*TopicStats)
	}
	t, _ := s.topics.LoadOrStore(name, &TopicStats{})
	return t.(*TopicStats)
}

// Topics calls fn with the stats of every topic the stage stored files of.
func (s *Stage) Topics(fn func(topic string, t *TopicStats)) {
	s.topics.Range(func(k, v any) bool {
		fn(k.(string), v.(*TopicStats))
		return true
	})
}
