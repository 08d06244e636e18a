import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;

/** The reference for synth time: a CDK Java app with one empty stack, on the same classpath. */
public final class EmptyApp {
    public static void main(String[] args) {
        App app = new App();
        new Stack(app, "Empty");
        app.synth();
    }
}
