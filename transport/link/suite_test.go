package link_test

import (
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"

	"github.com/sluicehq/sluice/transport/link"
)

// suiteFeatures describe the Link honestly to watermill's Pub/Sub suite.
// GuaranteedOrder holds per lane: the suite's messages carry no LaneKey, so
// in the "default lane" run they all share one lane, and in the "lane per
// payload" run TestPublishSubscribeInOrder spreads its 16 message types over
// 16 lanes, which is what the suite checks order within.
var suiteFeatures = tests.Features{
	ConsumerGroups:                      false,
	ExactlyOnceDelivery:                 false,
	GuaranteedOrder:                     true,
	GuaranteedOrderWithSingleSubscriber: true,
	Persistent:                          false,
	RequireSingleInstance:               true,
	NewSubscriberReceivesOldMessages:    false,
	ContextPreserved:                    true,
}

// suite lists the functions of tests.TestPubSub that apply to a Link. It is
// tests.TestPubSub's list less the ones that cannot fit, because
// tests.TestPubSub would run those too and fail or skip them:
//
//   - TestContinueAfterErrors subscribes to the same topic of the same
//     instance again while its earlier subscriptions (context.Background) are
//     still open; a Link allows one subscriber per topic (ErrSubscribed), so
//     that lane order cannot be broken by two consumers. Nacks are covered by
//     TestResendOnError here and TestNackRedeliversBeforeLaterMessages.
//   - TestConcurrentClose publishes on one instance, closes it, and expects a
//     new instance to deliver the messages: that needs Persistent storage
//     across instances, which an in-process Link does not have.
//   - TestContinueAfterSubscribeClose (Persistent), TestConsumerGroups,
//     TestNewSubscriberReceivesOldMessages (replay to every new subscriber)
//     and TestReconnect (restarts an external broker) test features a Link
//     does not have; the suite itself would skip them.
//
// gochannel passes the suite by declaring ExactlyOnceDelivery, which makes
// the suite skip TestConcurrentClose and TestContinueAfterErrors; a Link
// redelivers after a nack, so it declares at-least-once and leaves them out
// here instead, with the reasons above.
var suite = []struct {
	name string
	fn   func(*testing.T, tests.TestContext, tests.PubSubConstructor)
}{
	{"TestPublishSubscribe", tests.TestPublishSubscribe},
	{"TestConcurrentSubscribe", tests.TestConcurrentSubscribe},
	{"TestConcurrentSubscribeMultipleTopics", tests.TestConcurrentSubscribeMultipleTopics},
	{"TestResendOnError", tests.TestResendOnError},
	{"TestNoAck", tests.TestNoAck},
	{"TestPublishSubscribeInOrder", tests.TestPublishSubscribeInOrder},
	{"TestPublisherClose", tests.TestPublisherClose},
	{"TestTopic", tests.TestTopic},
	{"TestMessageCtx", tests.TestMessageCtx},
	{"TestSubscribeCtx", tests.TestSubscribeCtx},
}

// payloadLanes publishes every message without a LaneKey on the lane named
// by its payload.
type payloadLanes struct{ *link.Link }

func (p payloadLanes) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		if m != nil && m.Metadata.Get(link.LaneKey) == "" {
			m.Metadata.Set(link.LaneKey, string(m.Payload))
		}
	}
	return p.Link.Publish(topic, msgs...)
}

func TestWatermillPubSubSuite(t *testing.T) {
	// The suite publishes up to 10,000 messages before it subscribes.
	cfg := link.Config{Capacity: 20_000, RetryDelay: time.Millisecond, MaxRetryDelay: 10 * time.Millisecond}
	constructors := []struct {
		name string
		new  tests.PubSubConstructor
	}{
		{"default lane", func(t *testing.T) (message.Publisher, message.Subscriber) {
			l := newLink(t, cfg)
			return l, l
		}},
		{"lane per payload", func(t *testing.T) (message.Publisher, message.Subscriber) {
			l := newLink(t, cfg)
			return payloadLanes{l}, l
		}},
	}
	for _, c := range constructors {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range suite {
				t.Run(s.name, func(t *testing.T) {
					t.Parallel()
					s.fn(t, tests.TestContext{TestID: tests.NewTestID(), Features: suiteFeatures}, c.new)
				})
			}
		})
	}
}
